# The policy `make compat` runs CPython's test suite under: the default
# profile, with the budgets a test suite needs and the subprocesses it
# starts (CPython's tests run the interpreter itself to test isolation).
#
#   gaol run --policy tests/compat/compat.hcl --var python=/path/to/python3 -- ...

sandbox "compat" {
  extends = "python"

  limits {
    cpu    = "600s"
    wall   = "900s"
    memory = "4GiB"
    output = "256MiB"
    tasks  = 512
  }

  process {
    max  = 16
    exec = [var.python, "${var.python}.*", "${var.python}-*"]
  }
}
