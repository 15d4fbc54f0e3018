from escucha.cli.app import app

app(prog_name="escucha")
