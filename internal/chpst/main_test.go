package chpst

import (
	"os"
	"testing"

	"github.com/gorunit/gorunit/internal/svtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	svtest.Cleanup()
	if ownDir != "" {
		os.RemoveAll(ownDir)
	}
	os.Exit(code)
}
