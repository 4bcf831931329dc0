sandbox "s" {
  extends = "python"

  limits {
    cpu = "1s"

  rule "r" {
    action = "deny"
  }
