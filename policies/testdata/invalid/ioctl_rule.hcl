sandbox "s" {
  rule "terminal" {
    operations = ["ioctl"]
    action     = "allow"
  }

  rule "raw" {
    syscalls = ["ioctl"]
    action   = "deny"
  }
}
