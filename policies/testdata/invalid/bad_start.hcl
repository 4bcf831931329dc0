sandbox "s" {
  time {
    mode  = "frozen"
    start = "yesterday"
  }
}
