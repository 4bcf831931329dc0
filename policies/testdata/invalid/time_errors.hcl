sandbox "s" {
  time {
    mode  = "offset"
    step  = "1ms"
    round = "10ms"
  }
}
