from failoverctl.cli import main

raise SystemExit(main())
