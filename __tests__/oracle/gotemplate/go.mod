module go-xbuild-action/template-oracle

go 1.26

require (
	github.com/Masterminds/semver/v3 v3.5.0
	golang.org/x/text v0.37.0
)
