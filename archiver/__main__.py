from archiver.cli import main

main(prog_name="archiver")
