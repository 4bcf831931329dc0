sandbox "s" {
  rule "r" {
    class  = "file"
    action = "allow"
    errno  = "ENOENT"
  }
}
