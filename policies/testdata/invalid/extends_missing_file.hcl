sandbox "s" {
  extends = "./no-such-base.hcl"
}
