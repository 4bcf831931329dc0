sandbox "s" {
  identity {
    uid = 1.5
    gid = "staff"
  }
}
