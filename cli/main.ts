console.error("bulwark: CLI under construction");
process.exit(2);
