# A project directory at /work, read-only, with its secrets denied.
#
#   gaol run --policy examples/workdir.hcl -- python3 /work/main.py
#
# The host directory is workspace/ next to this file (path.policy is the
# directory this policy lives in). Files whose names start with "secret"
# are visible in listings but cannot be opened: the guest gets EACCES,
# and each attempt is logged with this rule's name and line.

sandbox "workdir" {
  extends = "python"

  mount "/work" {
    type    = "host"
    host    = "${path.policy}/workspace"
    exclude = [".git", "*.pyc"]
  }

  env {
    PYTHONPATH = "/work"
  }

  rule "secrets" {
    class  = "file"
    paths  = ["/work/secret*", "/work/**/secret*"]
    access = ["read", "write", "exec"]
    action = "deny"
    errno  = "EACCES"
    log    = true
  }
}
