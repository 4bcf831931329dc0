sandbox "s" {
  extends = "./parents/broken.hcl"

  limits {
    wall = "1m"
  }
}
