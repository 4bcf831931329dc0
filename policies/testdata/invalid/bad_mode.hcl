sandbox "s" {
  mount "/a" {
    type = "dir"
    mode = "0999"
  }

  mount "/b" {
    type    = "file"
    content = ""
    mode    = "04755"
  }
}
