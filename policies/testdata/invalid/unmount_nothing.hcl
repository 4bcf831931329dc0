sandbox "s" {
  extends = "python"
  unmount = ["/tpm", "dev/null"]
}
