sandbox "s" {
  limits {
    cpu  = "10"
    wall = "ten seconds"
  }

  time {
    mode = "virtual"
    step = "-1ms"
  }
}
