sandbox "s" {
  mount "/work" {
    host = "/"
  }

  rule "r" {
    class = "file"
  }
}

sandbox {
}
