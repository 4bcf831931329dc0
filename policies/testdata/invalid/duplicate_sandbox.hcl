sandbox "one" {
  extends = "python"
}

sandbox "two" {
  extends = "python"
}

sandbox "one" {
}
