"""One module per screen; dialogs are ModalScreens that return a value."""
