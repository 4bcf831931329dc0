sandbox "broken" {
  extends = "python"

  limits {
    cpu = "fast"
  }
}
