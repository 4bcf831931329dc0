sandbox "s" {
  mount "/tmp" {
    type            = "scratch"
    follow_symlinks = true
  }

  mount "/etc/motd" {
    type            = "file"
    content         = "hello"
    follow_symlinks = false
  }
}
