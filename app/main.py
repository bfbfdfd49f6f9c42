from app.ui import main

main()
