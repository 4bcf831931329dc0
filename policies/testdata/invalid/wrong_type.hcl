sandbox "s" {
  interpreter {
    discover = "maybe"
  }

  env {
    LIST = ["a", "b"]
  }

  rule "r" {
    ports  = ["https"]
    paths  = "/work/**"
    action = "deny"
  }
}
