sandbox "s" {
  mount "/etc/motd" {
    type    = "file"
    content = file("no-such-motd.txt")
  }

  env {
    X = nosuchfunc("a")
    Y = upper(1, 2)
  }
}
