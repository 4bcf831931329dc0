sandbox "s" {
  limits {
    memory    = "512mb"
    output    = "lots"
    file_size = "1.5GiB"
  }

  mount "/tmp" {
    type  = "scratch"
    quota = "64XB"
    files = "many"
  }
}
