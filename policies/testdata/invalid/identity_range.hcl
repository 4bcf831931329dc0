sandbox "s" {
  identity {
    uid = -1
    gid = 65535
  }
}
