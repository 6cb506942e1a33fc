// tlogcheck reads a Verity log with Go's golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog (an implementation independent of Verity's) and checks
// it. Built in GOPATH mode against Debian's golang-golang-x-mod-dev by
// crates/cli/tests/tlog_interop.rs.
//
//	tlogcheck tiles PREFIX VKEY [OLD_CHECKPOINT_FILE]
//	    PREFIX is a directory (from `verity log publish`) or an http:// URL prefix
//	    (`verity serve`'s /log/, or a plain file server). Verifies the checkpoint's
//	    signature, reads the tree through tlog's TileHashReader (which authenticates
//	    every tile against the checkpoint's root), proves and checks the inclusion of
//	    every entry of the entry bundles, and, given an older checkpoint, proves and
//	    checks the consistency of the two trees. Prints "ok N ROOT".
//	tlogcheck proof FILE VKEY
//	    Checks a c2sp.org/tlog-proof@v1 file whose extra line carries the entry.
//	tlogcheck sign ORIGIN N
//	    Makes a log of N records with a fresh key and prints the verifier key, the
//	    records (base64, one per line) and the signed checkpoint, for Verity to check.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

// fetch reads PREFIX/path from a directory or over HTTP.
func fetch(prefix, path string) ([]byte, error) {
	if strings.HasPrefix(prefix, "http://") || strings.HasPrefix(prefix, "https://") {
		resp, err := http.Get(strings.TrimSuffix(prefix, "/") + "/" + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return io.ReadAll(resp.Body)
	}
	return os.ReadFile(filepath.Join(prefix, filepath.FromSlash(path)))
}

// c2spPath turns Go's tile path (tile/H/L/N[.p/W], with H = 8) into the C2SP
// tlog-tiles one (tile/L/N[.p/W]).
func c2spPath(t tlog.Tile) string {
	return strings.Replace(t.Path(), fmt.Sprintf("tile/%d/", t.H), "tile/", 1)
}

type tiles struct{ prefix string }

func (r tiles) Height() int { return 8 }

func (r tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		data, err := fetch(r.prefix, c2spPath(t))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// checkpoint is a verified checkpoint: origin, size and root.
type checkpoint struct {
	origin string
	tree   tlog.Tree
}

func openCheckpoint(text []byte, vkey string) checkpoint {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	n, err := note.Open(text, note.VerifierList(v))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint body: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("checkpoint root: %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], raw)
	return checkpoint{origin: lines[0], tree: tlog.Tree{N: size, Hash: h}}
}

// entries reads the entries 256*k.. from their bundle for a tree of size n.
func entries(prefix string, k, n int64) [][]byte {
	w := n - k*256
	t := tlog.Tile{H: 8, L: 0, N: k, W: 256}
	if w < 256 {
		t.W = int(w)
	}
	path := strings.Replace(c2spPath(t), "tile/0/", "tile/entries/", 1)
	data, err := fetch(prefix, path)
	if err != nil {
		fail("entry bundle: %v", err)
	}
	var out [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			fail("entry bundle %s: truncated", path)
		}
		l := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+l {
			fail("entry bundle %s: truncated", path)
		}
		out = append(out, data[2:2+l])
		data = data[2+l:]
	}
	if int64(len(out)) != int64(t.W) {
		fail("entry bundle %s holds %d entries, not %d", path, len(out), t.W)
	}
	return out
}

func checkTiles(prefix, vkey, oldFile string) {
	text, err := fetch(prefix, "checkpoint")
	if err != nil {
		fail("checkpoint: %v", err)
	}
	cp := openCheckpoint(text, vkey)
	hr := tlog.TileHashReader(cp.tree, tiles{prefix})
	root, err := tlog.TreeHash(cp.tree.N, hr)
	if err != nil {
		fail("tree hash from the tiles: %v", err)
	}
	if root != cp.tree.Hash {
		fail("the tiles give root %v, the checkpoint %v", root, cp.tree.Hash)
	}
	for k := int64(0); k*256 < cp.tree.N; k++ {
		for j, e := range entries(prefix, k, cp.tree.N) {
			i := k*256 + int64(j)
			p, err := tlog.ProveRecord(cp.tree.N, i, hr)
			if err != nil {
				fail("proving entry %d: %v", i, err)
			}
			if err := tlog.CheckRecord(p, cp.tree.N, cp.tree.Hash, i, tlog.RecordHash(e)); err != nil {
				fail("entry %d: %v", i, err)
			}
		}
	}
	if oldFile != "" {
		oldText, err := os.ReadFile(oldFile)
		if err != nil {
			fail("%v", err)
		}
		old := openCheckpoint(oldText, vkey)
		p, err := tlog.ProveTree(cp.tree.N, old.tree.N, hr)
		if err != nil {
			fail("consistency proof: %v", err)
		}
		if err := tlog.CheckTree(p, cp.tree.N, cp.tree.Hash, old.tree.N, old.tree.Hash); err != nil {
			fail("consistency %d -> %d: %v", old.tree.N, cp.tree.N, err)
		}
	}
	fmt.Printf("ok %d %v\n", cp.tree.N, cp.tree.Hash)
}

func checkProof(file, vkey string) {
	data, err := os.ReadFile(file)
	if err != nil {
		fail("%v", err)
	}
	head, cpText, found := bytes.Cut(data, []byte("\n\n"))
	if !found {
		fail("no blank line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		fail("first line %q", lines[0])
	}
	lines = lines[1:]
	var leaf []byte
	if strings.HasPrefix(lines[0], "extra ") {
		leaf, err = base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[0], "extra "))
		if err != nil {
			fail("extra: %v", err)
		}
		lines = lines[1:]
	}
	if !strings.HasPrefix(lines[0], "index ") {
		fail("no index line")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[0], "index "), 10, 64)
	if err != nil {
		fail("index: %v", err)
	}
	var proof tlog.RecordProof
	for _, l := range lines[1:] {
		raw, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(raw) != tlog.HashSize {
			fail("proof hash %q", l)
		}
		var h tlog.Hash
		copy(h[:], raw)
		proof = append(proof, h)
	}
	cp := openCheckpoint(cpText, vkey)
	if err := tlog.CheckRecord(proof, cp.tree.N, cp.tree.Hash, index, tlog.RecordHash(leaf)); err != nil {
		fail("inclusion of entry %d: %v", index, err)
	}
	fmt.Printf("ok %d %d\n", index, cp.tree.N)
}

func sign(origin string, n int64) {
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		fail("%v", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		fail("%v", err)
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= int64(len(stored)) {
				return nil, errors.New("no such hash")
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	fmt.Println(vkey)
	for i := int64(0); i < n; i++ {
		rec := []byte(fmt.Sprintf("go record %d", i))
		hs, err := tlog.StoredHashes(i, rec, reader)
		if err != nil {
			fail("%v", err)
		}
		stored = append(stored, hs...)
		fmt.Println(base64.StdEncoding.EncodeToString(rec))
	}
	root, err := tlog.TreeHash(n, reader)
	if err != nil {
		fail("%v", err)
	}
	body := fmt.Sprintf("%s\n%d\n%s\n", origin, n, base64.StdEncoding.EncodeToString(root[:]))
	msg, err := note.Sign(&note.Note{Text: body}, signer)
	if err != nil {
		fail("%v", err)
	}
	fmt.Printf("\n%s", msg)
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: tlogcheck tiles|proof|sign …")
	}
	switch os.Args[1] {
	case "tiles":
		old := ""
		if len(os.Args) > 4 {
			old = os.Args[4]
		}
		checkTiles(os.Args[2], os.Args[3], old)
	case "proof":
		checkProof(os.Args[2], os.Args[3])
	case "sign":
		n, err := strconv.ParseInt(os.Args[3], 10, 64)
		if err != nil {
			fail("%v", err)
		}
		sign(os.Args[2], n)
	default:
		fail("unknown command %q", os.Args[1])
	}
}
