from rigorgym.cli import main

raise SystemExit(main())
