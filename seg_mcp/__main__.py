from seg_mcp.cli import main

raise SystemExit(main())
