from steppe.cli import console

console()
