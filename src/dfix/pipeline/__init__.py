"""One Dockerfile through dfix: runner (files, jobs, config per file), engine (rules to a fixed point), patch."""
