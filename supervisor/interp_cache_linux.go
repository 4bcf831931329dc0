package supervisor

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/gaol-sandbox/gaol/supervisor/hostpath"
)

// interpCache is gaol's interpreter cache: one directory, gaol's alone.
// A guest whose writable mount reaches the directory writes as the
// operator's uid inside its user namespace, so ownership alone cannot
// tell gaol's files from a guest's; what the cache holds is therefore
// only a layout, which DiscoverInterpreter checks again on every read
// (layout.check), and the directory and each file are used only if they
// pass interpCacheDir's and read's checks. A nil cache caches nothing.
type interpCache struct {
	dir int // O_PATH fd of the cache directory
}

// interpCacheRoot is the directory the cache lives in:
// $XDG_CACHE_HOME/gaol, else ~/.cache/gaol; "" when the user has neither.
func interpCacheRoot() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "gaol")
}

// openInterpCache opens the cache directory, creating it 0700 when it is
// missing. It returns nil, which disables the cache, unless the directory
// is reached through no symbolic link below the user's cache directory,
// belongs to gaol's effective uid and grants nothing to group or others.
func openInterpCache() *interpCache { return openInterpCacheAt(interpCacheRoot()) }

// openInterpCacheAt is openInterpCache for the cache directory root.
func openInterpCacheAt(root string) *interpCache {
	if root == "" {
		return nil
	}
	parent, err := os.Open(filepath.Dir(root)) // the user's own cache directory, as the user set it up
	if err != nil {
		if os.MkdirAll(filepath.Dir(root), 0o700) != nil {
			return nil
		}
		if parent, err = os.Open(filepath.Dir(root)); err != nil {
			return nil
		}
	}
	defer parent.Close()
	name := filepath.Base(root)
	unix.Mkdirat(int(parent.Fd()), name, 0o700) // EEXIST is the usual answer
	fd, err := hostpath.Openat2(int(parent.Fd()), name, &unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: hostpath.Beneath})
	if err != nil {
		return nil
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || !ownedPrivately(&st) {
		unix.Close(fd)
		return nil
	}
	return &interpCache{dir: fd}
}

// ownedPrivately: the file belongs to gaol's effective uid and its mode
// grants nothing to group or others.
func ownedPrivately(st *unix.Stat_t) bool {
	return int(st.Uid) == os.Geteuid() && st.Mode&0o077 == 0
}

func (c *interpCache) close() {
	if c != nil {
		unix.Close(c.dir)
	}
}

// interpCacheName names key's file: the key's 128-bit FNV-1a hash. The
// file holds the whole key and read compares it, so two keys whose hashes
// collide cost a rediscovery, never the wrong interpreter's layout; that
// is why the hash need not be cryptographic.
func interpCacheName(key string) string {
	h := fnv.New128a()
	h.Write([]byte(key))
	return "interp-" + hex.EncodeToString(h.Sum(nil)) + ".json"
}

// interpCacheEntry is one cache file: the layout and the whole key it
// answers.
type interpCacheEntry struct {
	Key    string  `json:"key"`
	Layout *layout `json:"layout"`
}

// maxInterpCacheFile bounds what read reads: an entry is under a few KiB.
const maxInterpCacheFile = 1 << 20

// read returns the layout cached for key, or nil: no file, a file that is
// a link, not regular, has other names, is not gaol's alone, does not
// decode or answers another key. The caller still checks the layout.
func (c *interpCache) read(key string) *layout {
	if c == nil {
		return nil
	}
	fd, err := hostpath.Openat2(c.dir, interpCacheName(key), &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC, Resolve: hostpath.Beneath})
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), "interp-cache")
	defer f.Close()
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Nlink != 1 || !ownedPrivately(&st) {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(f, maxInterpCacheFile+1))
	if err != nil || len(b) > maxInterpCacheFile {
		return nil
	}
	var e interpCacheEntry
	if json.Unmarshal(b, &e) != nil || e.Key != key || e.Layout == nil {
		return nil
	}
	return e.Layout
}

// write stores l as key's answer, best effort: a cache that cannot be
// written only costs the next run a rediscovery. It creates a new file of
// a random name (O_EXCL: never an existing file or a link) and renames it
// over key's, so that a concurrent reader sees the old answer or the new
// one, never half of one.
func (c *interpCache) write(key string, l *layout) {
	if c == nil {
		return
	}
	b, err := json.Marshal(interpCacheEntry{Key: key, Layout: l})
	if err != nil {
		return
	}
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return
	}
	tmp := ".tmp-" + hex.EncodeToString(r[:])
	fd, err := hostpath.Openat2(c.dir, tmp, &unix.OpenHow{Flags: unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC, Mode: 0o600, Resolve: hostpath.Beneath})
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), tmp)
	_, werr := f.Write(b)
	if cerr := f.Close(); werr != nil || cerr != nil || unix.Renameat(c.dir, tmp, c.dir, interpCacheName(key)) != nil {
		unix.Unlinkat(c.dir, tmp, 0)
	}
}
