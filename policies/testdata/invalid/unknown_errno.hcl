sandbox "s" {
  rule "hide" {
    paths  = ["/secret"]
    action = "deny"
    errno  = "EACCESS"
  }

  rule "lower" {
    paths  = ["/other"]
    action = "deny"
    errno  = "enoent"
  }
}
