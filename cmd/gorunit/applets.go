package main

import (
	"github.com/gorunit/gorunit/internal/chpst"
	"github.com/gorunit/gorunit/internal/cli"
	"github.com/gorunit/gorunit/internal/netisup"
	"github.com/gorunit/gorunit/internal/runsv"
	"github.com/gorunit/gorunit/internal/runsvchdir"
	"github.com/gorunit/gorunit/internal/runsvdir"
	"github.com/gorunit/gorunit/internal/sv"
	"github.com/gorunit/gorunit/internal/svctl"
	"github.com/gorunit/gorunit/internal/svlogd"
	"github.com/gorunit/gorunit/internal/utmpset"
)

// applets is the one table of names the box answers to. chpst's alias
// names go to chpst, which looks at argv[0] itself, as runit's chpst does.
var applets = cli.Applets{
	"runsv":     runsv.Main,
	"runsvdir":  runsvdir.Main,
	"sv":        sv.Main,
	"svlogd":    svlogd.Main,
	"chpst":     chpst.Main,
	"envdir":    chpst.Main,
	"envuidgid": chpst.Main,
	"pgrphack":  chpst.Main,
	"setuidgid": chpst.Main,
	"softlimit": chpst.Main,
	"setlock":   chpst.Main,
	// runit's chpst strips one leading "d" from its name (chpst.c), so
	// "dsetlock" acts as setlock: a dsetlock -> gorunit link must work too.
	"denvdir":    chpst.Main,
	"denvuidgid": chpst.Main,
	"dpgrphack":  chpst.Main,
	"dsetuidgid": chpst.Main,
	"dsoftlimit": chpst.Main,
	"dsetlock":   chpst.Main,
	"runsvchdir": runsvchdir.Main,
	"utmpset":    utmpset.Main,
	"netisup":    netisup.Main,
	"netisup.sh": netisup.Main,
	// Operator commands (docs/OPERATOR.md), meant as "gorunit enable NAME":
	// no symlinks are installed for these names.
	"enable":  svctl.Enable,
	"disable": svctl.Disable,
	"reset":   svctl.Reset,
	"summary": svctl.Summary,
}
