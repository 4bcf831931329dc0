package vfs_test

import (
	"fmt"

	"github.com/gaol-sandbox/gaol/vfs"
)

// A guest path is resolved in the guest's tree the way the kernel would:
// ".." after a symlink leaves the symlink's target. A virtual directory's
// listing is synthesised from its children.
func Example() {
	fs, err := vfs.New([]vfs.Mount{
		{Guest: "/etc/os-release", Kind: vfs.KindFile, Content: []byte("ID=gaol\n")},
		{Guest: "/etc/hostname", Kind: vfs.KindFile, Content: []byte("gaol\n")},
		{Guest: "/usr/bin", Kind: vfs.KindDir},
		{Guest: "/bin", Kind: vfs.KindSymlink, Target: "usr/bin"},
	}, vfs.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fs.Close()

	loc, err := fs.Resolve("/usr", "../bin/../../etc/./hostname", vfs.Follow)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer loc.Close()
	fmt.Println(loc.Path)

	_, err = fs.Resolve("/", "/etc/hostname/", 0)
	fmt.Println(err)

	entries, _ := fs.List(nil, "/etc")
	for _, e := range entries {
		fmt.Println(e.Name)
	}
	// Output:
	// /etc/hostname
	// not a directory
	// .
	// ..
	// hostname
	// os-release
}
