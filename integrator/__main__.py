from integrator.cli import main

raise SystemExit(main())
