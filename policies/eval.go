package policies

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// evalContext builds the context expressions in one file are evaluated in:
// var.NAME, path.policy, and the functions listed in docs/policy.md. dir is
// the file's directory, "" for a built-in profile.
func evalContext(dir string, vars map[string]string, lookupEnv func(string) (string, bool)) *hcl.EvalContext {
	vals := make(map[string]cty.Value, len(vars))
	for k, v := range vars {
		vals[k] = cty.StringVal(v)
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":  cty.ObjectVal(vals),
			"path": cty.ObjectVal(map[string]cty.Value{"policy": cty.StringVal(dir)}),
		},
		Functions: functions(dir, lookupEnv),
	}
}

func functions(dir string, lookupEnv func(string) (string, bool)) map[string]function.Function {
	return map[string]function.Function{
		"env":        envFunc(lookupEnv),
		"file":       fileFunc(dir),
		"try":        tryfunc.TryFunc,
		"can":        tryfunc.CanFunc,
		"upper":      stdlib.UpperFunc,
		"lower":      stdlib.LowerFunc,
		"title":      stdlib.TitleFunc,
		"format":     stdlib.FormatFunc,
		"formatlist": stdlib.FormatListFunc,
		"join":       stdlib.JoinFunc,
		"split":      stdlib.SplitFunc,
		"replace":    stdlib.ReplaceFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"substr":     stdlib.SubstrFunc,
		"strlen":     stdlib.StrlenFunc,
		"regex":      stdlib.RegexFunc,
		"concat":     stdlib.ConcatFunc,
		"flatten":    stdlib.FlattenFunc,
		"distinct":   stdlib.DistinctFunc,
		"contains":   stdlib.ContainsFunc,
		"length":     stdlib.LengthFunc,
		"element":    stdlib.ElementFunc,
		"slice":      stdlib.SliceFunc,
		"sort":       stdlib.SortFunc,
		"keys":       stdlib.KeysFunc,
		"values":     stdlib.ValuesFunc,
		"lookup":     stdlib.LookupFunc,
		"merge":      stdlib.MergeFunc,
		"coalesce":   stdlib.CoalesceFunc,
		"min":        stdlib.MinFunc,
		"max":        stdlib.MaxFunc,
		"tostring":   stdlib.MakeToFunc(cty.String),
		"tonumber":   stdlib.MakeToFunc(cty.Number),
		"tobool":     stdlib.MakeToFunc(cty.Bool),
		"jsonencode": stdlib.JSONEncodeFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
	}
}

// functionNames lists the functions for the reference test and docs.
var functionNames = sortedKeys(functions("", nil))

// envFunc is env("NAME"): the host environment variable, or "" if unset.
func envFunc(lookupEnv func(string) (string, bool)) function.Function {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	return function.New(&function.Spec{
		Description: "Returns the value of a host environment variable, or an empty string if it is unset.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			v, _ := lookupEnv(args[0].AsString())
			return cty.StringVal(v), nil
		},
	})
}

// fileFunc is file("rel"): the contents of a file, relative to the policy
// file's directory.
func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the contents of a UTF-8 text file, relative to the policy file's directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if dir == "" {
				return cty.NilVal, fmt.Errorf("built-in profiles cannot read files")
			}
			given := args[0].AsString()
			name := given
			if !filepath.IsAbs(name) {
				name = filepath.Join(dir, name)
			}
			b, err := readSmallFile(name)
			if err != nil {
				var pe *fs.PathError
				if errors.As(err, &pe) {
					err = pe.Err
				}
				return cty.NilVal, fmt.Errorf("cannot read %q (relative paths are relative to the policy file): %w", given, err)
			}
			if !utf8.Valid(b) {
				return cty.NilVal, fmt.Errorf("%q is not valid UTF-8 text", given)
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// maxFileFunc bounds what file() reads: policies embed small texts, and a
// policy naming /dev/zero must not hang `gaol check`.
const maxFileFunc = 16 << 20

func readSmallFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileFunc+1))
	if err == nil && len(b) > maxFileFunc {
		err = fmt.Errorf("larger than %d MiB", maxFileFunc>>20)
	}
	return b, err
}
