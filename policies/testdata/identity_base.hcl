# A base policy that sets the guest's identity, for the inheritance tests.
sandbox "identity-base" {
  extends = "python"

  identity {
    uid = 2000
    gid = 3000
  }
}
