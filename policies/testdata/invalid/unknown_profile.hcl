sandbox "s" {
  extends = "pyhton"
}
