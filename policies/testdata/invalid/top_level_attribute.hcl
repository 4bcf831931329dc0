extends = "python"

sandbox "s" {
}

variable "x" {
}
