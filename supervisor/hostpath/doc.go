// Package hostpath opens the host paths gaol itself writes to — the
// result, the trace, a scratch mount's keep directory — so that nothing a
// sandboxed program could have left on the host redirects the write.
//
// A guest with a writable mount can leave symbolic links, hard links and
// FIFOs there, and the operator's next run may name a path through that
// directory. So every path is resolved by the kernel with openat2 and
// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS: a symbolic link in any
// component, the last included, fails the open (LinkError) instead of
// being followed, whoever typed it. A relative path is resolved from the
// process's working directory ("..", which names a directory's real
// parent, is allowed); an absolute one from "/". The files themselves are
// opened or created relative to a directory fd held from then on, so
// renames of the path's directories after the open move nothing of what
// gaol writes outside the directory it opened.
package hostpath
