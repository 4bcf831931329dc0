sandbox "s" {
  mount "/etc/hosts" {
    type    = "file"
    content = "127.0.0.1 localhost\n"
  }

  mount "/etc/hosts/extra" {
    type = "dir"
  }
}
