sandbox "s" {
  rule "r" {
    syscalls = ["opnat", "ptrace", "read"]
    action   = "deny"
  }

  rule "mismatch" {
    class      = "file"
    syscalls   = ["connect"]
    operations = ["clock", "conect"]
    action     = "deny"
  }
}
