sandbox "s" {
  rule "r" {
    paths  = ["/a"]
    access = []
    action = "deny"
  }

  rule "n" {
    paths  = ["/a", null]
    action = "deny"
  }
}
