# A grader: run a student's submission against hidden tests.
#
#   gaol run --policy examples/grader.hcl --var submission=/srv/subs/4711 \
#       -- python3 /tests/run.py
#
# The submission and the test runner are read-only; the only writable
# place is /out, where the runner writes results.json for the grader to
# copy out and compare with the expected answers, which never enter the
# sandbox. Budgets are tight; there is no network and no subprocess.

sandbox "grader" {
  extends     = "python-strict"
  description = "Runs one submission against the course's tests."

  limits {
    cpu    = "5s"
    wall   = "20s"
    memory = "512MiB"
    output = "2MiB"
  }

  # The student's code, at a path chosen on the command line; by default
  # the sample next to this policy.
  mount "/work" {
    type          = "host"
    host          = try(var.submission, "grader/submission")
    exclude       = ["__pycache__", "*.pyc"]
    hide_dotfiles = true
  }

  mount "/tests" {
    type = "host"
    host = "grader/tests"
  }

  # Results go here, and nowhere else.
  mount "/out" {
    type  = "scratch"
    quota = "1MiB"
    files = 16
  }

  mount "/etc/grader.json" {
    type    = "file"
    content = jsonencode({ course = try(var.course, "cs101"), attempt = tonumber(try(var.attempt, "1")) })
  }

  env {
    PYTHONPATH = "/work"
    HOME       = "/out"
  }

  # Record every test file the submission's code opens, next to the
  # denials the log records anyway.
  rule "audit-tests" {
    class  = "file"
    paths  = ["/tests/**"]
    access = ["read", "list"]
    action = "allow"
    log    = true
  }
}
