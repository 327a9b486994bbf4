package main

import (
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxKeyFile bounds what is read of a --key-file: a PEM key is a few KiB.
const maxKeyFile = 64 << 10

// readKeyFile returns the PEM private key in path for the sandbox to reuse,
// with the file's mode; nil when there is no file or it is empty. A file
// holding anything else is an error, never overwritten.
func readKeyFile(path string) ([]byte, fs.FileMode, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("--key-file %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	switch {
	case err != nil:
		return nil, 0, err
	case len(data) == 0:
		return nil, 0, nil
	case len(data) > maxKeyFile || !holdsPrivateKey(data):
		return nil, 0, fmt.Errorf("--key-file %s exists and holds no PEM private key: name another file, or empty or remove it", path)
	}
	return data, fi.Mode().Perm(), nil
}

// holdsPrivateKey reports whether data has a PEM block of a private key.
func holdsPrivateKey(data []byte) bool {
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return false
		}
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			return true
		}
	}
}

// writeKeyFile writes data to path with mode 0600 whatever a file there had:
// to a new file in the same directory, renamed over path.
func writeKeyFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}
