sandbox "s" {
  limits {
    cpus   = "1s"
    memroy = "1GiB"
  }

  mount "/work" {
    type     = "host"
    host     = "/"
    writeable = true
  }

  extend = "python"
}
