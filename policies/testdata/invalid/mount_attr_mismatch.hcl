sandbox "s" {
  mount "/work" {
    type    = "host"
    host    = "/"
    content = "hello"
  }

  mount "/d" {
    type  = "dir"
    quota = "1MiB"
  }

  mount "/tmp" {
    type     = "scratch"
    writable = false
  }
}
