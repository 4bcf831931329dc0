# python-net: python that may connect to one local service.
#
# An example of a network allow-list: the guest may open TCP or UDP
# sockets and connect to 127.0.0.1 port 8080, and nowhere else. Copy it
# and change the destinations rather than extending it blindly: the
# destination is part of the policy.

sandbox "python-net" {
  extends     = "python"
  description = "python that may connect to 127.0.0.1:8080 and nowhere else."

  network {
    # ADDRESS:PORT, CIDR:PORT or NAME:PORT; "*" as the port allows any
    # port. A name is resolved by gaol once, when the run starts, and the
    # guest finds it in its /etc/hosts: the guest has no DNS of its own.
    connect = ["127.0.0.1:8080"]
  }

  # Every other destination is refused with EACCES, like anything else no
  # rule allows. Rules come before these allowances, so a child policy can
  # narrow them with deny rules or widen them with allow rules.
}
