sandbox "s" {
  mount "/work" {
    type = "host"
    host = "/nonexistent-gaol-test/submission"
  }

  mount "/data" {
    type = "host"
  }
}
