package main

import (
	"context"

	"github.com/convdiag/convdiag/diagnose"
	"github.com/urfave/cli/v2"
)

type liveTarget struct{}

func resolveLive(e *env, o *checkOptions) (*liveTarget, error) { return nil, nil }

func collectLive(ctx context.Context, e *env, o *checkOptions, lv *liveTarget) (*diagnose.Evidence, error) {
	return nil, usageErr("live mode is not available yet")
}

func demoCommand(e *env) *cli.Command { return &cli.Command{Name: "demo", Hidden: true} }
func simCommand(e *env) *cli.Command  { return &cli.Command{Name: "sim", Hidden: true} }
