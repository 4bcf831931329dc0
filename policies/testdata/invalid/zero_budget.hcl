sandbox "s" {
  limits {
    cpu        = "0s"
    memory     = 0
    open_files = 0
  }
}
