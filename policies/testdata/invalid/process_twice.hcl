sandbox "s" {
  limits {
    processes = 2
  }

  process {
    max = 4
  }
}
